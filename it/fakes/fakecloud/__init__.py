"""What the cloud fakes share: vm.Vm runs an instance as a QEMU process, vm.HealthProber checks
instances as a load balancer would."""
