using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Replicas;

namespace ControlPlane.Grains.Deployments;

/// <summary>One replica of a deployment, as the deployment grain keeps it.</summary>
[GenerateSerializer, Alias("cp.ReplicaRecord")]
public sealed class ReplicaRecord
{
    /// <summary>The replica id, <c>{deployment}-{n}</c>.</summary>
    [Id(0)] public string ReplicaId { get; set; } = "";

    /// <summary>Its accelerators; the first is the primary (where slots are reserved).</summary>
    [Id(1)] public List<string> AcceleratorIds { get; set; } = [];

    /// <summary>Nodes of those accelerators, in the same order.</summary>
    [Id(2)] public List<string> NodeIds { get; set; } = [];

    /// <summary>The SKU it runs on.</summary>
    [Id(3)] public string Sku { get; set; } = "";

    /// <summary>Its hardware class.</summary>
    [Id(4)] public HardwareClass HardwareClass { get; set; }

    /// <summary>Devices it takes on each accelerator.</summary>
    [Id(5)] public int DevicesPerAccelerator { get; set; }

    /// <summary>Concurrent streams it holds.</summary>
    [Id(6)] public int Slots { get; set; }

    /// <summary>Its zone.</summary>
    [Id(7)] public string Zone { get; set; } = "";

    /// <summary>The primary accelerator's pool.</summary>
    [Id(8)] public string Pool { get; set; } = "";

    /// <summary>Where it is in its life.</summary>
    [Id(9)] public ReplicaState State { get; set; }

    /// <summary>Why it is in that state.</summary>
    [Id(10)] public string Message { get; set; } = "";

    /// <summary>Where gateways send its traffic, as its agent reported.</summary>
    [Id(11)] public string Endpoint { get; set; } = "";

    /// <summary>Accelerators whose agent reported the weights loaded.</summary>
    [Id(12)] public HashSet<string> LoadedOn { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When it was created.</summary>
    [Id(13)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Racks of its accelerators, for spreading.</summary>
    [Id(14)] public List<string> Racks { get; set; } = [];

    /// <summary>When it started retiring; null unless <see cref="ReplicaState.Retiring"/>.</summary>
    [Id(15)] public DateTimeOffset? RetiringSince { get; set; }

    /// <summary>When it last started loading (placed, or its agent began loading it again); null once Ready.</summary>
    [Id(16)] public DateTimeOffset? LoadingSince { get; set; }

    /// <summary>Why its load is not progressing (a node that did not acknowledge the command); empty when none is known.</summary>
    [Id(17)] public string LoadProblem { get; set; } = "";
}

/// <summary>A replica as callers see it.</summary>
[GenerateSerializer, Immutable, Alias("cp.ReplicaView")]
public sealed record ReplicaView(
    [property: Id(0)] string ReplicaId,
    [property: Id(1)] IReadOnlyList<string> AcceleratorIds,
    [property: Id(2)] string Sku,
    [property: Id(3)] HardwareClass HardwareClass,
    [property: Id(4)] int DevicesPerAccelerator,
    [property: Id(5)] int Slots,
    [property: Id(6)] string Pool,
    [property: Id(7)] ReplicaState State,
    [property: Id(8)] string Message,
    [property: Id(9)] string Endpoint)
{
    /// <summary>A view of <paramref name="replica"/>.</summary>
    public static ReplicaView Of(ReplicaRecord replica) => new(
        replica.ReplicaId, replica.AcceleratorIds.ToArray(), replica.Sku, replica.HardwareClass, replica.DevicesPerAccelerator,
        replica.Slots, replica.Pool, replica.State, replica.Message, replica.Endpoint);
}
