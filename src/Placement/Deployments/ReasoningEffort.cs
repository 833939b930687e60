namespace ControlPlane.Placement.Deployments;

/// <summary>How hard the model is asked to think; more effort means longer outputs.</summary>
public enum ReasoningEffort
{
    /// <summary>Not given: the deployment's default applies.</summary>
    Unspecified = 0,

    /// <summary>Quick answers.</summary>
    Low = 1,

    /// <summary>The usual default.</summary>
    Medium = 2,

    /// <summary>Long reasoning.</summary>
    High = 3,

    /// <summary>Very long reasoning: treated as a long-horizon job.</summary>
    XHigh = 4,
}
