namespace ControlPlane.Grains.Nodes;

/// <summary>The durable part of a node grain: which accelerators the node declared.</summary>
[GenerateSerializer, Alias("cp.NodeRecord")]
public sealed class NodeRecord
{
    /// <summary>Ids of the accelerators this node registered, in order.</summary>
    [Id(0)] public SortedSet<string> AcceleratorIds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Version the agent reported at its last registration.</summary>
    [Id(1)] public string AgentVersion { get; set; } = "";

    /// <summary>When the node last registered.</summary>
    [Id(2)] public DateTimeOffset LastRegisteredAt { get; set; }
}
