output "repository_variables" {
  description = "Repository variable => role ARN, to set on the application repository"
  value       = { for key, variable in module.trust.variables : variable => aws_iam_role.github[key].arn }
}
