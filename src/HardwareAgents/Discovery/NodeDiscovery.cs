using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Telemetry;

namespace ControlPlane.HardwareAgents.Discovery;

/// <summary>What the agent should look for on its node.</summary>
public sealed class NodeDiscoveryOptions
{
    /// <summary>The node's id; also the accelerator id of its GPUs (one GPU node is one accelerator).</summary>
    public required string NodeId { get; init; }

    /// <summary>Region of the node.</summary>
    public required string Region { get; init; }

    /// <summary>Zone of the node (a failure domain).</summary>
    public required string Zone { get; init; }

    /// <summary>Rack of the node (a failure domain); may be empty.</summary>
    public string Rack { get; init; } = "";

    /// <summary>Path of nvidia-smi; null to skip GPU discovery.</summary>
    public string? NvidiaSmi { get; init; } = "nvidia-smi";

    /// <summary>SKU to use instead of the one the GPU name implies.</summary>
    public string? GpuSku { get; init; }

    /// <summary>Inventory file of the wafer-scale systems this agent manages; null when none.</summary>
    public string? WaferInventoryPath { get; init; }
}

/// <summary>Finds a node's accelerators (GPUs through nvidia-smi, wafer systems from the inventory file) and the telemetry sources for them.</summary>
public static class NodeDiscovery
{
    /// <summary>The node's accelerators and where their telemetry comes from.</summary>
    public static async Task<(IReadOnlyList<AcceleratorSpec> Accelerators, ITelemetrySource Telemetry)> DiscoverAsync(
        NodeDiscoveryOptions options, CancellationToken cancellationToken)
    {
        var specs = new List<AcceleratorSpec>();
        var sources = new List<ITelemetrySource>();
        if (options.NvidiaSmi is not null)
        {
            var probe = new NvidiaSmiProbe(options.NvidiaSmi);
            var gpus = await probe.QueryAsync(cancellationToken);
            if (gpus.Count > 0)
            {
                specs.Add(GpuNodeSpec(options, gpus));
                sources.Add(new NvidiaSmiTelemetrySource(options.NodeId, probe));
            }
        }

        if (options.WaferInventoryPath is not null)
        {
            var systems = await WaferInventory.LoadAsync(options.WaferInventoryPath, cancellationToken);
            specs.AddRange(systems.Select(s => new AcceleratorSpec
            {
                AcceleratorId = s.Id,
                HardwareClass = HardwareClass.WaferScale,
                Sku = s.Sku,
                MemoryBytes = s.SramBytes,
                Location = new Location { Region = s.Region, Zone = s.Zone, Rack = s.Rack },
            }));
            sources.Add(new WaferTelemetrySource(systems.ToDictionary(s => s.Id, s => s.SramBytes)));
        }

        if (specs.Count == 0)
        {
            throw new HardwareDiscoveryException(
                "found no accelerators: nvidia-smi listed no GPUs and no --wafer-inventory was given; the agent has nothing to register");
        }

        return (specs, new CompositeTelemetrySource(sources));
    }

    /// <summary>The registration of a GPU node from its nvidia-smi readings.</summary>
    public static AcceleratorSpec GpuNodeSpec(NodeDiscoveryOptions options, IReadOnlyList<GpuReading> gpus)
    {
        var spec = new AcceleratorSpec
        {
            AcceleratorId = options.NodeId,
            HardwareClass = HardwareClass.Gpu,
            Sku = GpuSkuResolver.Resolve(gpus, options.GpuSku),
            Location = new Location { Region = options.Region, Zone = options.Zone, Rack = options.Rack },
        };
        spec.Gpus.AddRange(gpus.Select(g => new GpuDevice { Index = g.Index, Uuid = g.Uuid, Name = g.Name, MemoryBytes = g.MemoryTotalBytes }));
        spec.MemoryBytes = gpus.Sum(g => g.MemoryTotalBytes);
        return spec;
    }
}
