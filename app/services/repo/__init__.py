"""Git: the command line built as argv lists, and snapshots that keep a task's work safe."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.services.repo import git as git
    from app.services.repo.blobs import BlobReader as BlobReader
    from app.services.repo.blobs import BlobReaders as BlobReaders
    from app.services.repo.git import GitError as GitError
    from app.services.repo.git import scratch_index as scratch_index
    from app.services.repo.git import worktree_tree as worktree_tree
    from app.services.repo.scratch import ScratchPool as ScratchPool
    from app.services.repo.snapshot import changed_paths as changed_paths
    from app.services.repo.snapshot import commit_tree as commit_tree
    from app.services.repo.snapshot import dirty_submodules as dirty_submodules
    from app.services.repo.snapshot import ignored_paths as ignored_paths
    from app.services.repo.snapshot import ignored_tree as ignored_tree
    from app.services.repo.snapshot import path_sizes as path_sizes
    from app.services.repo.snapshot import scratch_worktree as scratch_worktree
    from app.services.repo.snapshot import take_snapshot as take_snapshot
    from app.services.repo.snapshot import tree_of as tree_of
    from app.services.repo.snapshot import worktree_present as worktree_present
    from app.services.repo.snapshot import worktrees as worktrees
    from app.services.repo.snapshot import write_tree_files as write_tree_files
else:
    __getattr__ = lazy_exports(
        __name__,
        modules=("git",),
        names={
            "blobs": ("BlobReader", "BlobReaders"),
            "git": ("GitError", "scratch_index", "worktree_tree"),
            "scratch": ("ScratchPool",),
            "snapshot": (
                "changed_paths",
                "commit_tree",
                "dirty_submodules",
                "ignored_paths",
                "ignored_tree",
                "path_sizes",
                "scratch_worktree",
                "take_snapshot",
                "tree_of",
                "worktree_present",
                "worktrees",
                "write_tree_files",
            ),
        },
    )
