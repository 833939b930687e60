namespace ControlPlane.Placement.Deployments;

/// <summary>What a request optimises for (DESIGN.md §3).</summary>
public enum LatencyClass
{
    /// <summary>Short turns: first token well under a second, high tokens/s.</summary>
    Interactive = 1,

    /// <summary>Minutes-long agentic jobs: throughput and completion time matter, not first token.</summary>
    LongHorizon = 2,
}
