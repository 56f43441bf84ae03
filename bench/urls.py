"""The project's URLs plus /bench/hello/: a bare answer behind the same middleware as every page.

Anonymous, it measures the framework and the middleware; with a family's session cookie, it
adds what identifying a logged-in family costs (session, user, guardian and family).
"""

from django.http import HttpResponse
from django.urls import path

from extranet.urls import urlpatterns as project_urlpatterns


def hello(request):
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello, name="bench_hello"), *project_urlpatterns]
