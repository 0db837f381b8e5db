output "trust_policies" {
  description = "Role key => trust policy document (an object; jsonencode it for IAM)"
  value       = local.trust_policies
}

output "variables" {
  description = "Role key => the repository variable that holds the role's ARN"
  value       = { for key, trust in local.trusts : key => trust.variable }
}
