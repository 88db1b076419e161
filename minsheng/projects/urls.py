from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.list_index, name="list_index"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/publish/", views.list_publish, name="list_publish"),
    path("lists/<int:pk>/import/", views.list_import, name="list_import"),
    path("lists/<int:pk>/export.xlsx", views.list_export_view, name="list_export"),
    path("lists/<int:list_pk>/new/", views.project_new, name="project_new"),
    path("p/<int:pk>/", views.project_detail, name="project_detail"),
    path("p/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("p/<int:pk>/status/", views.project_status, name="project_status"),
    path("p/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("p/<int:pk>/indicators/", views.indicator_add, name="indicator_add"),
    path("p/<int:pk>/report/", views.report_new, name="report_new"),
    path("p/<int:pk>/deadline/", views.deadline_request, name="deadline_request"),
    path("p/<int:pk>/supervise/", views.supervision_issue, name="supervision_issue"),
    path("p/<int:pk>/instruct/", views.instruction_give, name="instruction_give"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="milestone_delete"),
    path("milestones/<int:pk>/waive/", views.milestone_waive, name="milestone_waive"),
    path("evidence/<int:pk>/publish/", views.evidence_publish, name="evidence_publish"),
    path("reports/cadence/", views.report_cadence, name="report_cadence"),
    path("reports/<int:pk>/accept/", views.report_accept, name="report_accept"),
    path("reports/<int:pk>/return/", views.report_return, name="report_return"),
    path("reports/<int:pk>/contribute/", views.report_contribute, name="report_contribute"),
    path("deadlines/<int:pk>/decide/", views.deadline_decide, name="deadline_decide"),
    path("notices/<int:pk>/acknowledge/", views.supervision_acknowledge, name="supervision_acknowledge"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("mine/", views.my_projects, name="my_projects"),
    path("warnings/", views.warnings, name="warnings"),
    path("stats/", views.statistics, name="stats"),
    path("public/", views.public_index, name="public_index"),
    path("public/lists/<int:pk>/", views.public_list, name="public_list"),
    path("public/p/<int:pk>/", views.public_project, name="public_project"),
    path("public/p/<int:pk>/rate/", views.public_rate, name="public_rate"),
]
