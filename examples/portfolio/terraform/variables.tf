variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
  default     = "portfolio"
}

variable "environment" {
  description = "dev or prod."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "services" {
  description = "ECS services by name."
  type = map(object({
    port          = number
    cpu           = number
    memory        = number
    desired_count = number
  }))
  default = {
    backend  = { port = 8000, cpu = 256, memory = 512, desired_count = 1 }
    frontend = { port = 3000, cpu = 256, memory = 512, desired_count = 1 }
  }
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention."
  type        = number
  default     = 30
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_password" {
  description = "Database master password: pass it as TF_VAR_db_password from a secret, never in a committed file."
  type        = string
  sensitive   = true
}

variable "revision" {
  description = "Release revision; a new value replaces the release step."
  type        = string
  default     = "1"
}

variable "release_command" {
  description = "Command the release step runs on the applying machine."
  type        = string
  default     = "true"
}
