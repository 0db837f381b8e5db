environment        = "prod"
log_retention_days = 90
services = {
  backend  = { port = 8000, cpu = 256, memory = 512, desired_count = 2 }
  frontend = { port = 3000, cpu = 256, memory = 512, desired_count = 2 }
}
