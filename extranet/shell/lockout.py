"""django-axes' lockout answer, only where credentials are posted.

``AxesMiddleware`` turns a lockout flagged during ``authenticate()`` into the lockout page. Only
a POST can carry credentials, so every other request skips it (a page view of a logged-in
family has nothing to check).
"""

from axes.middleware import AxesMiddleware


class CredentialsLockoutMiddleware(AxesMiddleware):
    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        return super().__call__(request)
