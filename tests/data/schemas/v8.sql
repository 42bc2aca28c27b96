CREATE TABLE comments (
	id INTEGER NOT NULL, 
	task_id VARCHAR NOT NULL, 
	path VARCHAR NOT NULL, 
	line INTEGER NOT NULL, 
	text VARCHAR NOT NULL, 
	side VARCHAR NOT NULL, 
	quote VARCHAR NOT NULL, 
	created_at FLOAT NOT NULL, 
	sent_at FLOAT, 
	dropped_at FLOAT, 
	PRIMARY KEY (id)
);
INSERT INTO "comments" VALUES(1,'0123456789abcdef0123456789abcdef','src/a.py',3,'rename this','new','x = 1',1700000004.0,NULL,NULL);
CREATE TABLE projects (
	name VARCHAR NOT NULL, 
	path VARCHAR NOT NULL, 
	base VARCHAR NOT NULL, 
	setup VARCHAR, 
	test VARCHAR, 
	created_at FLOAT NOT NULL, 
	PRIMARY KEY (name)
);
INSERT INTO "projects" VALUES('demo','/tmp/demo','main',NULL,'make test',1700000000.0);
CREATE TABLE report_tasks (
	report_id INTEGER NOT NULL, 
	task_id VARCHAR NOT NULL, 
	PRIMARY KEY (report_id, task_id)
);
CREATE TABLE reports (
	id INTEGER NOT NULL, 
	project VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, 
	reporter VARCHAR NOT NULL, 
	source VARCHAR NOT NULL, 
	external_id VARCHAR, 
	url VARCHAR, 
	created_at FLOAT NOT NULL, 
	imported_at FLOAT NOT NULL, 
	labels VARCHAR NOT NULL, 
	category VARCHAR, 
	priority VARCHAR, 
	owner VARCHAR, 
	status VARCHAR NOT NULL, 
	duplicate_of INTEGER, 
	triaged_at FLOAT, 
	fixed_at FLOAT, 
	fix_commit VARCHAR, 
	pr_url VARCHAR, 
	PRIMARY KEY (id)
);
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_version" VALUES(1);
INSERT INTO "schema_version" VALUES(2);
INSERT INTO "schema_version" VALUES(3);
INSERT INTO "schema_version" VALUES(4);
INSERT INTO "schema_version" VALUES(5);
INSERT INTO "schema_version" VALUES(6);
INSERT INTO "schema_version" VALUES(7);
INSERT INTO "schema_version" VALUES(8);
CREATE TABLE tasks (
	id VARCHAR NOT NULL, 
	project VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	prompt VARCHAR NOT NULL, 
	agent VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	branch VARCHAR NOT NULL, 
	worktree VARCHAR NOT NULL, 
	base_ref VARCHAR NOT NULL, 
	base_commit VARCHAR NOT NULL, 
	created_at FLOAT NOT NULL, 
	"group" VARCHAR, 
	exit_code INTEGER, 
	error VARCHAR, 
	started_at FLOAT, 
	finished_at FLOAT, 
	tokens_in INTEGER, 
	tokens_out INTEGER, 
	cost_usd FLOAT, 
	files_changed INTEGER NOT NULL, 
	insertions INTEGER NOT NULL, 
	deletions INTEGER NOT NULL, 
	session_id VARCHAR, 
	last_event VARCHAR NOT NULL, 
	pgid INTEGER, 
	proc_start INTEGER, 
	stop_requested BOOLEAN NOT NULL, 
	next_prompt VARCHAR, 
	turns INTEGER NOT NULL, 
	landed_commit VARCHAR, 
	pr_url VARCHAR, 
	archived_state VARCHAR, node VARCHAR, budget_tokens INTEGER, budget_usd FLOAT, budget_minutes FLOAT, spent_seconds FLOAT NOT NULL DEFAULT 0, 
	PRIMARY KEY (id)
);
INSERT INTO "tasks" VALUES('0123456789abcdef0123456789abcdef','demo','Fix login','Fix the login bug','codex','succeeded','orchard/01234567-fix-login','/tmp/wt/01234567-fix-login','main','aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',1700000001.0,NULL,0,NULL,1700000002.0,1700000003.0,10,20,0.5,1,2,3,'sess-1','done',NULL,NULL,0,NULL,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0.0);
CREATE TABLE train_cars (
	id INTEGER NOT NULL, 
	task_id VARCHAR NOT NULL, 
	project VARCHAR NOT NULL, 
	target VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	state VARCHAR NOT NULL, 
	strategy VARCHAR NOT NULL, 
	send_back BOOLEAN NOT NULL, 
	reason VARCHAR NOT NULL, 
	output VARCHAR NOT NULL, 
	proven_on VARCHAR, 
	landed_commit VARCHAR, 
	sent_back_turns INTEGER, 
	joined_at FLOAT NOT NULL, 
	updated_at FLOAT NOT NULL, ahead VARCHAR NOT NULL DEFAULT '', 
	PRIMARY KEY (id)
);
INSERT INTO "train_cars" VALUES(1,'0123456789abcdef0123456789abcdef','demo','main',1,'waiting','merge',0,'','',NULL,NULL,NULL,1700000005.0,1700000005.0,'');
CREATE TABLE trains (
	project VARCHAR NOT NULL, 
	target VARCHAR NOT NULL, 
	paused VARCHAR, 
	PRIMARY KEY (project, target)
);
CREATE TABLE triage_sources (
	"key" VARCHAR NOT NULL, 
	project VARCHAR NOT NULL, 
	data VARCHAR NOT NULL, 
	updated_at FLOAT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE INDEX ix_tasks_group ON tasks ("group");
CREATE INDEX ix_tasks_state ON tasks (state);
CREATE INDEX ix_tasks_created_at ON tasks (created_at);
CREATE INDEX ix_tasks_project ON tasks (project);
CREATE INDEX ix_comments_task_id ON comments (task_id);
CREATE INDEX ix_reports_project ON reports (project);
CREATE INDEX ix_reports_status ON reports (status);
CREATE INDEX ix_reports_duplicate_of ON reports (duplicate_of);
CREATE INDEX ix_reports_external_id ON reports (external_id);
CREATE INDEX ix_report_tasks_task_id ON report_tasks (task_id);
CREATE INDEX ix_triage_sources_project ON triage_sources (project);
CREATE INDEX ix_train_cars_task_id ON train_cars (task_id);
CREATE INDEX ix_train_cars_state ON train_cars (state);
CREATE INDEX ix_train_cars_project ON train_cars (project);
