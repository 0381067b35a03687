"""Everything that imports Flask: the app factory, views, the JSON API, auth and errors."""
