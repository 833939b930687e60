namespace ControlPlane.Contracts.Security;

/// <summary>What a bearer token lets its holder do (DESIGN.md §6a).</summary>
public enum CallerRole
{
    /// <summary>A node's agent; the token's subject is the node id it may speak for.</summary>
    Agent = 1,

    /// <summary>The gateway / data plane asking for placements.</summary>
    Gateway = 2,

    /// <summary>An infra operator: reads and changes the fleet.</summary>
    Operator = 3,

    /// <summary>A dashboard or SRE: reads only.</summary>
    Viewer = 4,
}
