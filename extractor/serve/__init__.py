"""`methex serve`: audit and review in the browser (papers, evidence, field charts)."""
from extractor.serve.app import create_app
from extractor.serve.security import ServeError, check_bind

__all__ = ["create_app", "ServeError", "check_bind"]
