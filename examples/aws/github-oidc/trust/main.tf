# The trust policy of each role the workflows assume, without a provider:
# `terraform console` evaluates them offline (the e2e test does), and the
# module one level up creates the roles with them.
#
# Which token each job presents (GitHub's rules for the `sub` claim):
# - a job with an `environment:` gets repo:REPO:environment:ENV whatever the
#   event, so the deploy jobs and terraform apply/destroy are bound to dev or
#   prod, and prod only after the environment's required reviewers approve;
# - the terraform plan job has no environment; the caller runs on
#   workflow_dispatch, so its subject is repo:REPO:ref:refs/heads/BRANCH.
# job_workflow_ref names the reusable workflow the job belongs to, so a
# deploy job cannot assume a terraform role of the same environment and the
# other way round (AWS STS accepts GitHub's job_workflow_ref as a condition
# key).

locals {
  workflows = "${var.toolkit_repository}/.github/workflows"

  # role key => who may assume it.
  trusts = {
    deploy-dev = {
      variable = "AWS_DEPLOY_ROLE_DEV"
      subject  = "repo:${var.github_repository}:environment:dev"
      workflow = "deploy-service.yml"
    }
    deploy-prod = {
      variable = "AWS_DEPLOY_ROLE_PROD"
      subject  = "repo:${var.github_repository}:environment:prod"
      workflow = "deploy-service.yml"
    }
    terraform-plan = {
      variable = "AWS_TERRAFORM_PLAN_ROLE"
      subject  = "repo:${var.github_repository}:ref:refs/heads/${var.default_branch}"
      workflow = "terraform.yml"
    }
    terraform-dev = {
      variable = "AWS_TERRAFORM_ROLE_DEV"
      subject  = "repo:${var.github_repository}:environment:dev"
      workflow = "terraform.yml"
    }
    terraform-prod = {
      variable = "AWS_TERRAFORM_ROLE_PROD"
      subject  = "repo:${var.github_repository}:environment:prod"
      workflow = "terraform.yml"
    }
  }

  trust_policies = {
    for key, trust in local.trusts : key => {
      Version = "2012-10-17"
      Statement = [{
        Effect    = "Allow"
        Principal = { Federated = var.oidc_provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "${var.oidc_host}:aud" = "sts.amazonaws.com"
            "${var.oidc_host}:sub" = trust.subject
          }
          StringLike = {
            "${var.oidc_host}:job_workflow_ref" = "${local.workflows}/${trust.workflow}@*"
          }
        }
      }]
    }
  }
}
