using ControlPlane.Grains.Accelerators;
using ControlPlane.Placement.Hardware;
using ControlPlane.Silos.Contracts;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Validation;

/// <summary>Turns a Register request into domain registrations, or fails it naming every bad field.</summary>
public sealed class RegisterRequestValidator(HardwareCatalogue catalogue)
{
    /// <summary>Most accelerators one node may declare (a host managing a row of wafer systems).</summary>
    public const int MaxAcceleratorsPerNode = 64;

    /// <summary>How far a GPU's reported memory may exceed its SKU's nominal size (nvidia-smi reports MiB of a GiB-sized part).</summary>
    public const double GpuMemoryTolerance = 1.10;

    /// <summary>Validates <paramref name="request"/>; throws INVALID_ARGUMENT with a BadRequest when anything is wrong.</summary>
    public IReadOnlyList<AcceleratorRegistration> Parse(V1.RegisterRequest request)
    {
        var violations = new FieldViolations();
        ResourceIds.Check(violations, request.NodeId, "node_id");
        violations.CheckText(request.AgentVersion, "agent_version", 64);
        violations.Check(request.Accelerators.Count is > 0 and <= MaxAcceleratorsPerNode, "accelerators",
            $"must hold 1..{MaxAcceleratorsPerNode} accelerators (got {request.Accelerators.Count})");

        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var seenUuids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var registrations = new List<AcceleratorRegistration>(request.Accelerators.Count);
        for (var i = 0; i < Math.Min(request.Accelerators.Count, MaxAcceleratorsPerNode); i++)
        {
            var registration = ParseAccelerator(request.Accelerators[i], $"accelerators[{i}]", request.NodeId, violations, seenIds, seenUuids);
            if (registration is not null)
            {
                registrations.Add(registration);
            }
        }

        violations.ThrowIfAny();
        return registrations;
    }

    private AcceleratorRegistration? ParseAccelerator(
        V1.AcceleratorSpec spec, string path, string nodeId, FieldViolations violations,
        HashSet<string> seenIds, Dictionary<string, string> seenUuids)
    {
        var ok = ResourceIds.Check(violations, spec.AcceleratorId, $"{path}.accelerator_id");
        ok &= violations.Check(!ok || seenIds.Add(spec.AcceleratorId), $"{path}.accelerator_id",
            $"'{spec.AcceleratorId}' appears more than once in this request");

        var hardwareClass = ContractMapping.ToDomain(spec.HardwareClass);
        ok &= violations.Check(hardwareClass is not null, $"{path}.hardware_class",
            $"must be HARDWARE_CLASS_WAFER_SCALE or HARDWARE_CLASS_GPU (got {spec.HardwareClass})");

        HardwareSku? sku = null;
        if (string.IsNullOrEmpty(spec.Sku))
        {
            violations.Add($"{path}.sku", $"is required; one of: {string.Join(", ", catalogue.Names)}");
            ok = false;
        }
        else if (!catalogue.TryGet(spec.Sku, out var found))
        {
            violations.Add($"{path}.sku", $"unknown SKU '{ResourceIds.Shorten(spec.Sku)}'; one of: {string.Join(", ", catalogue.Names)}");
            ok = false;
        }
        else
        {
            sku = found;
            ok &= violations.Check(hardwareClass is null || sku.Class == hardwareClass, $"{path}.sku",
                $"'{sku.Name}' is a {sku.Class} SKU but hardware_class is {spec.HardwareClass}");
        }

        var location = spec.Location ?? new V1.Location();
        ok &= ResourceIds.Check(violations, location.Region, $"{path}.location.region");
        ok &= ResourceIds.Check(violations, location.Zone, $"{path}.location.zone");
        ok &= string.IsNullOrEmpty(location.Rack) || ResourceIds.Check(violations, location.Rack, $"{path}.location.rack");

        var gpus = new List<GpuDevice>(spec.Gpus.Count);
        long memoryBytes = spec.MemoryBytes;
        if (sku is not null && sku.Class == HardwareClass.WaferScale)
        {
            ok &= violations.Check(spec.Gpus.Count == 0, $"{path}.gpus", "must be empty for a wafer-scale system");
            ok &= violations.Check(spec.MemoryBytes > 0 && spec.MemoryBytes <= sku.MemoryBytesPerDevice, $"{path}.memory_bytes",
                $"must be 1..{sku.MemoryBytesPerDevice} bytes (the SRAM of one {sku.Name}) (got {spec.MemoryBytes})");
        }
        else if (sku is not null)
        {
            ok &= ParseGpus(spec, sku, path, violations, seenUuids, gpus);
            var total = gpus.Sum(g => g.MemoryBytes);
            ok &= violations.Check(spec.MemoryBytes == 0 || spec.MemoryBytes == total, $"{path}.memory_bytes",
                $"must be 0 (computed) or the sum of the GPUs' memory, {total} bytes (got {spec.MemoryBytes})");
            memoryBytes = total;
        }

        if (!ok || sku is null || hardwareClass is null)
        {
            return null;
        }

        var devices = sku.Class == HardwareClass.Gpu ? gpus.Count : 1;
        return new AcceleratorRegistration(
            spec.AcceleratorId,
            nodeId,
            hardwareClass.Value,
            sku.Name,
            sku.MemoryKind,
            memoryBytes,
            sku.MemoryBandwidthBytesPerSecondPerDevice * devices,
            gpus,
            new FailureDomain(location.Region, location.Zone, location.Rack));
    }

    private static bool ParseGpus(
        V1.AcceleratorSpec spec, HardwareSku sku, string path, FieldViolations violations,
        Dictionary<string, string> seenUuids, List<GpuDevice> gpus)
    {
        if (!violations.Check(spec.Gpus.Count is > 0 && spec.Gpus.Count <= sku.MaxDevicesPerSystem, $"{path}.gpus",
                $"a {sku.Name} node must list 1..{sku.MaxDevicesPerSystem} GPUs (got {spec.Gpus.Count})"))
        {
            return false;
        }

        var ok = true;
        var maxMemory = (long)(sku.MemoryBytesPerDevice * GpuMemoryTolerance);
        var indexes = new HashSet<int>();
        for (var g = 0; g < spec.Gpus.Count; g++)
        {
            var gpu = spec.Gpus[g];
            var gpuPath = $"{path}.gpus[{g}]";
            ok &= violations.Check(gpu.Index >= 0 && gpu.Index < sku.MaxDevicesPerSystem && indexes.Add(gpu.Index), $"{gpuPath}.index",
                $"must be a distinct index 0..{sku.MaxDevicesPerSystem - 1} (got {gpu.Index})");
            if (string.IsNullOrEmpty(gpu.Uuid) || gpu.Uuid.Length > 64)
            {
                violations.Add($"{gpuPath}.uuid", $"is required, at most 64 characters (got {gpu.Uuid.Length})");
                ok = false;
            }
            else if (seenUuids.TryGetValue(gpu.Uuid, out var firstPath))
            {
                violations.Add($"{gpuPath}.uuid", $"'{gpu.Uuid}' duplicates {firstPath}.uuid; every GPU has its own uuid");
                ok = false;
            }
            else
            {
                seenUuids[gpu.Uuid] = gpuPath;
            }

            ok &= violations.CheckText(gpu.Name, $"{gpuPath}.name", 128);
            ok &= violations.Check(gpu.MemoryBytes > 0 && gpu.MemoryBytes <= maxMemory, $"{gpuPath}.memory_bytes",
                $"must be 1..{maxMemory} bytes for a {sku.Name} GPU (got {gpu.MemoryBytes})");
            gpus.Add(new GpuDevice(gpu.Index, gpu.Uuid, gpu.Name, gpu.MemoryBytes));
        }

        return ok;
    }
}
