namespace ControlPlane.Silos.Security;

/// <summary>How callers are authenticated. Bound from <c>ControlPlane:Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Auth";

    /// <summary>
    /// Base64 key (at least 32 bytes) that signs and checks bearer tokens. When empty, the well-known
    /// development key is used and a warning is logged, unless <see cref="RequireSigningKey"/> is set.
    /// </summary>
    public string SigningKey { get; set; } = "";

    /// <summary>Refuse to start without <see cref="SigningKey"/> (set this in production). Default false.</summary>
    public bool RequireSigningKey { get; set; }

    /// <summary>
    /// Without a <see cref="SigningKey"/>, the silo refuses to listen on any address but loopback: the
    /// development key is public, so anyone who reaches the port could mint an operator token. Setting this
    /// true accepts that risk (a throwaway lab network). Default false.
    /// </summary>
    public bool AllowDevelopmentKeyOnNetwork { get; set; }
}
