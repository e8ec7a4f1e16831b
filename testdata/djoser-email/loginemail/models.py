"""Django's user with a unique email, as a project using Djoser's LOGIN_FIELD = "email" needs."""
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    email = models.EmailField("email address", unique=True)
