from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from djoser.conf import settings


class LoginFieldBackend(ModelBackend):
    """Token login as Djoser 2.3 does it: the user whose LOGIN_FIELD has the given value. Elsewhere
    (SimpleJWT's jwt/create) Django's ModelBackend, by USERNAME_FIELD."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not request.path.startswith("/auth/token/"):
            return super().authenticate(request, username=username, password=password, **kwargs)
        user = get_user_model().objects.filter(**{settings.LOGIN_FIELD: username}).first()
        if user and user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
