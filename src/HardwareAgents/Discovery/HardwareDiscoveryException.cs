namespace ControlPlane.HardwareAgents.Discovery;

/// <summary>The agent could not find out what hardware it runs on; the message says what to do.</summary>
public sealed class HardwareDiscoveryException(string message, Exception? inner = null) : Exception(message, inner);
