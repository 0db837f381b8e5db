output "cluster_name" {
  description = "ECS cluster."
  value       = terraform_data.cluster.output
}

output "repositories" {
  description = "ECR repository per service."
  value       = { for name, repo in terraform_data.repository : name => repo.output }
}

output "vpc_cidr" {
  description = "CIDR of the VPC."
  value       = terraform_data.vpc.output.cidr
}

output "database_password" {
  description = "The database password (sensitive: never exported or shown)."
  value       = terraform_data.database.output.password
  sensitive   = true
}
