# The Portfolio infrastructure of specs/architecture.md, modelled with the
# builtin terraform_data resource: no provider download, so it plans and
# applies anywhere (CI, tests, laptops) while keeping the shape of the real
# stack: VPC and subnets, ECS cluster and services, ECR repositories, the
# database with its sensitive password, and a release step.
#
# The state lives in S3 with S3-native locking (use_lockfile); the bucket and
# key come per environment from backend/{env}.hcl (terraform-runner passes it
# as -backend-config).

terraform {
  required_version = ">= 1.10"

  backend "s3" {}
}

locals {
  name = "${var.project}-${var.environment}"
  subnets = {
    public-a  = cidrsubnet(var.vpc_cidr, 8, 1)
    public-b  = cidrsubnet(var.vpc_cidr, 8, 2)
    private-a = cidrsubnet(var.vpc_cidr, 8, 10)
    private-b = cidrsubnet(var.vpc_cidr, 8, 11)
  }
}

resource "terraform_data" "vpc" {
  input = {
    name = local.name
    cidr = var.vpc_cidr
  }
}

resource "terraform_data" "subnet" {
  for_each = local.subnets

  input = {
    vpc  = terraform_data.vpc.output.name
    name = "${local.name}-${each.key}"
    cidr = each.value
  }
}

resource "terraform_data" "cluster" {
  input = local.name
}

resource "terraform_data" "repository" {
  for_each = var.services

  input = "${local.name}-${each.key}"
}

resource "terraform_data" "log_group" {
  for_each = var.services

  input = {
    name           = "/ecs/${local.name}/${each.key}"
    retention_days = var.log_retention_days
  }
}

resource "terraform_data" "service" {
  for_each = var.services

  input = merge(each.value, {
    cluster    = terraform_data.cluster.output
    repository = terraform_data.repository[each.key].output
  })
}

resource "terraform_data" "database" {
  input = {
    engine         = "postgres"
    instance_class = var.db_instance_class
    username       = "portfolio"
    password       = var.db_password
  }
}

# A release step (e.g. database migrations): replaced whenever `revision`
# changes, running `release_command` on the machine that applies. The tests
# make it slow, or wait on a file, to exercise locking and cancellation.
resource "terraform_data" "release" {
  triggers_replace = [var.revision]

  provisioner "local-exec" {
    command = var.release_command
  }
}
