using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Hosting;

/// <summary>Collects start-up configuration errors, each naming its full configuration key.</summary>
/// <param name="section">The options' configuration section, e.g. <c>ControlPlane:Fleet</c>.</param>
public sealed class ConfigurationErrors(string section)
{
    private readonly List<string> _errors = [];

    /// <summary>Records <paramref name="message"/> under <paramref name="key"/> unless <paramref name="ok"/>; returns <paramref name="ok"/>.</summary>
    public bool Check(bool ok, string key, string message)
    {
        if (!ok)
        {
            _errors.Add($"{section}:{key} {message}");
        }

        return ok;
    }

    /// <summary>Success, or a failure listing every error recorded.</summary>
    public ValidateOptionsResult Result() =>
        _errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_errors);
}
