using ControlPlane.Grains.Fleet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace ControlPlane.Grains.Storage;

/// <summary>Registers the grain state store chosen by <see cref="StorageOptions"/>.</summary>
public static partial class GrainStorageServices
{
    /// <summary>Adds the store as the <see cref="FleetStorage.Name"/> grain storage of a silo.</summary>
    public static IServiceCollection AddFleetStorage(this IServiceCollection services, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton<GrainStateFormat>();
        switch (options.Provider)
        {
            case StorageProvider.Sqlite:
                services.AddSingleton(sp => new SqliteGrainStorage(options.Sqlite.Path, sp.GetRequiredService<GrainStateFormat>(), sp.GetRequiredService<ILogger<SqliteGrainStorage>>()));
                services.AddKeyedSingleton<IGrainStorage>(FleetStorage.Name, (sp, _) => sp.GetRequiredService<SqliteGrainStorage>());
                break;
            default:
                services.AddKeyedSingleton<IGrainStorage>(FleetStorage.Name, (sp, _) =>
                {
                    LogNotDurable(sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GrainStorageServices).FullName!));
                    return new InProcessGrainStorage(sp.GetRequiredService<DeepCopier>());
                });
                break;
        }

        return services;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain state is kept in memory (ControlPlane:Storage:Provider=Memory): a restart loses every deployment, cordon, drain and audit entry")]
    private static partial void LogNotDurable(ILogger logger);
}
