"""Demo data: a seeded Hangzhou city built only through the apps' services."""
