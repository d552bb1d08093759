"""Where the project's folders are, so no module guesses relative paths."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT_DIR = ROOT / "bot"
NLU_DIR = BOT_DIR / "data" / "nlu"
LOCALES_DIR = ROOT / "locales"
VAR_DIR = ROOT / "var"
MODELS_DIR = BOT_DIR / "models"
RASA_VENV = ROOT / ".venv-rasa"
