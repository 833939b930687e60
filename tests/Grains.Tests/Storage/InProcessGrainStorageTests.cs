using ControlPlane.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace ControlPlane.Grains.Tests.Storage;

public sealed class InProcessGrainStorageTests : GrainStorageContract
{
    protected override IGrainStorage Store() =>
        new InProcessGrainStorage(new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<DeepCopier>());
}
