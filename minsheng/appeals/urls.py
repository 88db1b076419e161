"""Appeals pages under /appeals/ (URL names are what minsheng.org.capabilities links to)."""

from django.urls import include, path

from . import views

app_name = "appeals"

urlpatterns = [
    # call centre
    path("intake/", views.intake, name="intake"),
    path("intake/caller-history/", views.caller_history, name="caller_history"),
    path("intake/categories/", views.category_options, name="category_options"),
    path("intake/regions/", views.region_options, name="region_options"),
    path("intake/knowledge/", views.knowledge_hits, name="knowledge_hits"),
    path("receipt/<str:number>/", views.receipt, name="receipt"),
    path("knowledge/", views.knowledge, name="knowledge"),
    # dispatch
    path("dispatch/", views.dispatch_queue, name="dispatch_queue"),
    path("dispatch/<int:pk>/", views.dispatch, name="dispatch"),
    path("dispatch/<int:pk>/return-decision/", views.return_decide, name="return_decide"),
    path("dispatch/<int:pk>/merge/", views.merge, name="merge"),
    path("dispatch/<int:pk>/resume/", views.resume, name="resume"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/remove/", views.catalogue_remove, name="catalogue_remove"),
    # units
    path("inbox/", views.unit_inbox, name="unit_inbox"),
    path("legs/<int:pk>/sign/", views.leg_sign, name="leg_sign"),
    path("legs/<int:pk>/return/", views.leg_return, name="leg_return"),
    path("legs/<int:pk>/note/", views.leg_note, name="leg_note"),
    path("legs/<int:pk>/answer/", views.leg_answer, name="leg_answer"),
    path("legs/<int:pk>/extension/", views.leg_extension, name="leg_extension"),
    path("legs/<int:pk>/suspension/", views.leg_suspension, name="leg_suspension"),
    path("notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="notice_acknowledge"),
    # review, callback, supervision
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review, name="review"),
    path("suggestions/<int:pk>/close/", views.suggestion_close, name="suggestion_close"),
    path("callback/", views.callback_queue, name="callback_queue"),
    path("callback/<int:pk>/", views.callback, name="callback"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/<int:pk>/", views.supervise, name="supervise"),
    path("instruction/<int:pk>/", views.instruct, name="instruct"),
    # one case
    path("case/<str:number>/", views.detail, name="detail"),
    path("case/<str:number>/mobile/", views.reveal_mobile, name="reveal_mobile"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    # citizens and the public
    path("my/new/", views.citizen_new, name="citizen_new"),
    path("my/", views.citizen_list, name="citizen_list"),
    path("follow/", views.follow, name="follow"),
    path("stats/", include("minsheng.appeals.stats_urls")),
]
