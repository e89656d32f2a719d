"""marshmallow schemas: the single description of valid input, shared by forms and the API."""
