"""Field schemas as data: YAML catalogues plus the loader that builds Pydantic models from them."""
