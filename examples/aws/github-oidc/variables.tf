variable "github_repository" {
  description = "The application repository as its token subject names it: OWNER/REPO, or OWNER@OWNER_ID/REPO@REPO_ID for a repository with immutable subject claims"
  type        = string
}

variable "toolkit_repository" {
  description = "Repository whose reusable workflows the application's workflows call"
  type        = string
  default     = "portfolio-ci/portfolio-ci"
}

variable "default_branch" {
  description = "The only branch whose runs may plan with the read-only role"
  type        = string
  default     = "main"
}

variable "create_oidc_provider" {
  description = "Create GitHub's OIDC provider (false when the account already has one: it exists once per account)"
  type        = bool
  default     = true
}

variable "role_name_prefix" {
  description = "Prefix of the role names: PREFIX-deploy-dev, PREFIX-terraform-plan, ..."
  type        = string
  default     = "portfolio-github"
}

variable "permission_policy_files" {
  description = "Role key (deploy-dev, deploy-prod, terraform-plan, terraform-dev, terraform-prod) => permission policy JSON files to attach inline (see examples/aws/policies/)"
  type        = map(list(string))
  default     = {}
}
