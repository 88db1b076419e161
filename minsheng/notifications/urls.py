from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("channels/", views.channels, name="channels"),
    path("receipts/aliyun/<str:token>/", views.aliyun_receipts, name="aliyun_receipts"),
]
