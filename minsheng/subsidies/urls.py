from django.urls import path

from . import views

app_name = "subsidies"

urlpatterns = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_new, name="policy_new"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/approve/", views.policy_approve, name="policy_approve"),
    path("policies/<int:pk>/pay/", views.policy_pay, name="policy_pay"),
    path("policies/<int:pk>/accounts/", views.policy_accounts, name="policy_accounts"),
    path("versions/<int:pk>/simulate/", views.policy_simulate, name="policy_simulate"),
    path("versions/<int:pk>/publish/", views.policy_publish, name="policy_publish"),
    path("versions/<int:pk>/match/", views.policy_match, name="policy_match"),
    path("versions/<int:pk>/apply/<int:enterprise_pk>/", views.grant_apply, name="grant_apply"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", views.enterprise_new, name="enterprise_new"),
    path("enterprises/import/", views.facts_import, name="facts_import"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/users/<int:user_pk>/remove/", views.enterprise_user_remove,
         name="enterprise_user_remove"),
    path("grants/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("grants/<int:pk>/confirm/", views.grant_confirm, name="grant_confirm"),
    path("grants/<int:pk>/recovery/", views.recovery_request, name="recovery_request"),
    path("grants/<int:pk>/repayments/", views.recovery_repayment, name="recovery_repayment"),
    path("grants/<int:pk>/objection/", views.objection_new, name="objection_new"),
    path("recoveries/", views.recovery_list, name="recovery_list"),
    path("recoveries/<int:pk>/decide/", views.recovery_decide, name="recovery_decide"),
    path("objections/", views.objection_list, name="objection_list"),
    path("objections/<int:pk>/decide/", views.objection_decide, name="objection_decide"),
    path("objections/files/<int:pk>/", views.objection_file, name="objection_file"),
    path("vouchers/", views.voucher_export, name="vouchers"),
    path("my/", views.enterprise_home, name="enterprise_home"),
    path("my/accounts/", views.receiving_accounts, name="receiving_accounts"),
    path("my/claim/", views.enterprise_claim, name="enterprise_claim"),
    path("my/join/", views.enterprise_join, name="enterprise_join"),
    path("my/team/", views.enterprise_team, name="enterprise_team"),
    path("accounts/review/", views.receiving_account_review, name="receiving_account_review"),
    path("accounts/<int:pk>/decide/", views.receiving_account_decide, name="receiving_account_decide"),
    path("stats/", views.stats, name="stats"),
]
