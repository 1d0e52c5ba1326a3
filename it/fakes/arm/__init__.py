"""A fake of the Azure Resource Manager endpoints unideploy's Azure provider calls.

Written to the official REST API (https://learn.microsoft.com/rest/api/compute/ and
https://learn.microsoft.com/rest/api/load-balancer/) and checked against recorded real traffic
(it/src/test/resources/recordings/azure/). Disk data lives on Azurite, so uploads are real page
blob writes; scale-set instances boot their image under QEMU through fakecloud.vm.
"""
