"""The plugins bundled with Kringwerk, one package each."""
