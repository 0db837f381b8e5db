# GitHub's OIDC provider and one role per job kind of the application's
# workflows, each trusting only the jobs that use it (see trust/main.tf).
#
#   terraform init && terraform apply -var github_repository=OWNER/REPO \
#     -var-file=policies.tfvars
#   terraform output -json repository_variables   # -> gh variable set

locals {
  oidc_host = "token.actions.githubusercontent.com"
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_provider ? 1 : 0
  url            = "https://${local.oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 0 : 1
  url   = "https://${local.oidc_host}"
}

module "trust" {
  source             = "./trust"
  oidc_provider_arn  = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
  oidc_host          = local.oidc_host
  github_repository  = var.github_repository
  toolkit_repository = var.toolkit_repository
  default_branch     = var.default_branch
}

resource "aws_iam_role" "github" {
  for_each             = module.trust.trust_policies
  name                 = "${var.role_name_prefix}-${each.key}"
  assume_role_policy   = jsonencode(each.value)
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "github" {
  for_each = merge([
    for key, files in var.permission_policy_files : {
      for file in files : "${key}/${basename(file)}" => { role = key, file = file }
    }
  ]...)
  name   = trimsuffix(basename(each.value.file), ".json")
  role   = aws_iam_role.github[each.value.role].name
  policy = file(each.value.file)
}
