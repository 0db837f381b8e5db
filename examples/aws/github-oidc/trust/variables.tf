variable "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider for GitHub Actions (arn:aws:iam::ACCOUNT_ID:oidc-provider/token.actions.githubusercontent.com)"
  type        = string
}

variable "oidc_host" {
  description = "Issuer host and path of the OIDC tokens, the prefix of the IAM condition keys: token.actions.githubusercontent.com, or HOSTNAME/_services/token on GitHub Enterprise Server"
  type        = string
  default     = "token.actions.githubusercontent.com"
}

variable "github_repository" {
  description = "The application repository as its token subject names it: OWNER/REPO, or OWNER@OWNER_ID/REPO@REPO_ID for a repository with immutable subject claims"
  type        = string
}

variable "toolkit_repository" {
  description = "Repository whose reusable workflows the application's workflows call (job_workflow_ref)"
  type        = string
  default     = "portfolio-ci/portfolio-ci"
}

variable "default_branch" {
  description = "The only branch whose workflow_dispatch runs may plan with the read-only role"
  type        = string
  default     = "main"
}
