using City.Contract.Wire;
using City.Edge.Dali;
using City.Edge.Devices;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Lighting;

/// <summary>Registers the lighting runtime: its files beside the buffer, the state, the scheduler and the Birth's lighting part.</summary>
internal static class LightingSetup
{
    public static void AddLighting(IServiceCollection services, EdgeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(sp => LightingStore.Beside(settings.Options.Buffer.Path, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<LightingRuntime>();
        services.AddSingleton<ILightingStatus>(sp => sp.GetRequiredService<LightingRuntime>());
        services.AddSingleton(sp => new LightingScheduler(sp.GetRequiredService<LightingRuntime>(),
            sp.GetService<DaliLineRegistry>() ?? new DaliLineRegistry([]), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<LightingScheduler>>()));
        services.AddSingleton<LightingBirth>();
    }
}

/// <summary>What the Birth says of the lighting: the site (Edge:Site), one asset per configured DALI gear, the version applied.</summary>
internal sealed class LightingBirth(EdgeSettings settings, LightingRuntime runtime)
{
    public void AddTo(Birth birth)
    {
        ArgumentNullException.ThrowIfNull(birth);
        if (settings.Site is { } site)
        {
            birth.Site = new Site
            {
                Town = site.Town,
                District = site.District,
                Latitude = site.Latitude,
                Longitude = site.Longitude,
                TimeZone = site.TimeZone.Id,
            };
        }

        foreach (var line in settings.DaliLines)
        {
            foreach (var gear in line.Gear)
            {
                var asset = line.Assets.GetValueOrDefault(gear.Address) ?? DaliGearAsset.None;
                birth.Assets.Add(new Asset
                {
                    LampId = $"{line.Name}/g{gear.Address}",
                    Line = line.Name,
                    Address = (uint)gear.Address,
                    PoleId = string.IsNullOrEmpty(asset.PoleId) ? gear.Location : asset.PoleId,
                    Latitude = asset.Latitude,
                    Longitude = asset.Longitude,
                    LuminaireModel = asset.LuminaireModel,
                    RatedPowerW = gear.RatedPowerW,
                    ReplacedPowerW = asset.ReplacedPowerW,
                    InstalledOn = asset.InstalledOnText,
                    RatedLifeHours = asset.RatedLifeHours,
                    Groups = gear.Groups,
                });
            }
        }

        birth.LightingVersion = runtime.Version;
    }
}
