#!/usr/bin/python3
"""Django's manage.py for the test project (run with Debian's /usr/bin/python3; see README.md here)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoproject.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
