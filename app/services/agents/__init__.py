"""One adapter per agent CLI: a stream parser that yields normalized events."""

from app.core.profiles import OutputFormat
from app.services.agents.appserver import AppServerParser
from app.services.agents.base import StreamParser
from app.services.agents.claude import ClaudeParser, isolated_config_env
from app.services.agents.codex import CodexParser
from app.services.agents.driver import AgentInput, CodexAppServer, driver_for
from app.services.agents.framing import LineSplitter
from app.services.agents.gemini import GeminiParser
from app.services.agents.opencode import OpenCodeParser
from app.services.agents.text import TextParser

_PARSERS: dict[OutputFormat, type[StreamParser]] = {
    OutputFormat.CODEX: CodexParser,
    OutputFormat.CODEX_APP: AppServerParser,
    OutputFormat.CLAUDE: ClaudeParser,
    OutputFormat.GEMINI: GeminiParser,
    OutputFormat.OPENCODE: OpenCodeParser,
    OutputFormat.TEXT: TextParser,
}


def parser_for(output: OutputFormat) -> StreamParser:
    """Return a fresh parser for an agent's output format."""
    return _PARSERS[output]()


__all__ = [
    "AgentInput",
    "CodexAppServer",
    "LineSplitter",
    "StreamParser",
    "TextParser",
    "driver_for",
    "isolated_config_env",
    "parser_for",
]
