"""A throwaway demo: a small repository, a temporary home, tasks for the demo agent."""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.core.task import Project, Task
from app.services.config import Home
from app.services.orchard import Orchard
from app.services.repo import git

DEMO_FILES = {
    ".gitignore": "__pycache__/\n",
    "README.md": "# Demo shop\n\nA tiny project for trying Orchard.\n",
    "shop/cart.py": "def total(prices):\n    return sum(prices)\n",
    "tests/test_cart.py": "from shop.cart import total\n\n\ndef test_total():\n"
    "    assert total([1, 2]) == 3\n",
}
# Title, prompt, attempts: the discount helper is tried three times (best of 3), so the
# board shows an attempt group and the compare window has something to compare.
DEMO_PROMPTS = (
    ("Add a discount helper", "Add a function that applies a percentage discount to a price.", 3),
    ("Document the cart", "Write a short guide to the cart module for new contributors.", 1),
    ("Add tax support", "Add VAT calculation to the cart total, with a test.", 1),
)


async def make_demo_repo(folder: Path) -> Path:
    """Create the demo repository with one commit."""
    repo = folder / "demo-shop"
    for name, text in DEMO_FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    await git.git(str(repo), "init", "--quiet", "--initial-branch", "main")
    await git.git(str(repo), "add", "--all")
    env = await git.identity_env(str(repo))
    await git.git(str(repo), "commit", "--quiet", "-m", "Demo shop", env=env)
    return repo


async def start_demo(root: Path | None = None) -> tuple[Orchard, Project, list[Task]]:
    """Build a demo home and repository, and queue the demo tasks."""
    folder = root or Path(tempfile.mkdtemp(prefix="orchard-demo-"))
    orchard = Orchard(Home(folder / "home"))
    repo = await make_demo_repo(folder)
    project = await orchard.add_project(str(repo), name="demo-shop")
    tasks = []
    for title, prompt, attempts in DEMO_PROMPTS:
        tasks += await orchard.new_tasks(
            project.name, prompt, agent="demo", title=title, attempts=attempts
        )
    return orchard, project, tasks
