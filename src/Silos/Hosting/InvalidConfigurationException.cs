namespace ControlPlane.Silos.Hosting;

/// <summary>The silo's configuration is wrong; <see cref="Exception.Message"/> names every bad key.</summary>
public sealed class InvalidConfigurationException(IReadOnlyList<string> errors)
    : Exception("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    /// <summary>One line per bad key.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
