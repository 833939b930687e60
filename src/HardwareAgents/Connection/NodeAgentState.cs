namespace ControlPlane.HardwareAgents.Connection;

/// <summary>Where a node agent's connection stands.</summary>
public enum NodeAgentState
{
    /// <summary>Not started.</summary>
    Idle,

    /// <summary>Calling Register.</summary>
    Registering,

    /// <summary>Stream open and welcomed; heartbeating.</summary>
    Connected,

    /// <summary>Waiting before the next attempt after a failure.</summary>
    BackingOff,

    /// <summary>Stopped (gracefully or killed).</summary>
    Stopped,
}
