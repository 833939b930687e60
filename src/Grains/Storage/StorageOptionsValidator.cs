using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Storage;

/// <summary>Validates <see cref="StorageOptions"/> at start-up.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new ConfigurationErrors(StorageOptions.SectionName);
        errors.Check(Enum.IsDefined(options.Provider), nameof(options.Provider),
            $"must be {string.Join(" or ", Enum.GetNames<StorageProvider>())} (got {options.Provider})");
        if (options.Provider == StorageProvider.Sqlite)
        {
            var path = options.Sqlite.Path;
            errors.Check(!string.IsNullOrWhiteSpace(path) && path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) < 0 && !path.EndsWith('/') && !Directory.Exists(path),
                "Sqlite:Path", $"must name a file (got '{path}')");
        }

        return errors.Result();
    }
}
