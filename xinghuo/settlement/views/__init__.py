from .employer import *  # noqa: F403  (split in the next commit)
