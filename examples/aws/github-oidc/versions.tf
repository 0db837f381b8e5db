terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.81 made thumbprint_list optional: IAM verifies GitHub's issuer
      # against its library of trusted root CAs.
      version = ">= 5.81"
    }
  }
}
