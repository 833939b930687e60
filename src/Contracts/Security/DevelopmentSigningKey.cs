namespace ControlPlane.Contracts.Security;

/// <summary>
/// The well-known signing key of an embedded development run (the demo, tests). Anyone can mint
/// tokens with it, so the silo logs a warning whenever it is in use.
/// </summary>
public static class DevelopmentSigningKey
{
    /// <summary>The key's bytes.</summary>
    public static ReadOnlySpan<byte> Bytes => "controlplane-development-signing-key-do-not-use-in-production"u8;

    /// <summary>The key as base64, the form configuration takes.</summary>
    public static string Base64 => Convert.ToBase64String(Bytes);
}
