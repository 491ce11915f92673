using System.Globalization;
using System.Text.Json;
using City.Central.Assets;
using City.Central.State;

namespace City.Central.OpenData;

/// <summary>The published equipment: how many features, and the bounding box of their positions (null when none).</summary>
internal sealed record EquipmentSummary(int Cabinets, int Lamps, (double West, double South, double East, double North)? Box);

/// <summary>
/// The cabinets' and lamps' positions as a GeoJSON FeatureCollection (RFC 7946: WGS 84, EPSG:4326, coordinates
/// [longitude, latitude]). Cabinets from their gateways' births (the site), lamps from the births merged with the
/// imports; what has no position is left out. Properties: the equipment kind, its ids, town and district, and for lamps
/// the luminaire model, rated and replaced power and install date.
/// </summary>
internal static class EquipmentDataset
{
    public static (byte[] GeoJson, EquipmentSummary Summary) Build(GatewayRegistry registry, AssetDirectory assets, Func<string, bool> townPublished)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(townPublished);
        var box = new Box();
        int cabinets = 0, lamps = 0;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, DataTable.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("type", "FeatureCollection");
            json.WriteStartArray("features");
            var lampList = assets.Lamps();
            var gateways = registry.All().Select(g => g.Id).Concat(lampList.Select(l => l.GatewayId)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            foreach (var gatewayId in gateways)
            {
                var town = assets.TownOf(gatewayId);
                if (assets.SiteOf(gatewayId) is not { } site || !IsPosition(site.Latitude, site.Longitude) || !townPublished(town ?? string.Empty))
                {
                    continue;
                }

                Feature(json, site.Longitude, site.Latitude, box);
                json.WriteString("equipment", "cabinet");
                json.WriteString("cabinet", gatewayId);
                json.WriteString("town", town);
                json.WriteString("district", site.District);
                json.WriteEndObject();
                json.WriteEndObject();
                cabinets++;
            }

            foreach (var lamp in lampList)
            {
                if (!IsPosition(lamp.Latitude, lamp.Longitude) || !townPublished(lamp.Town ?? string.Empty))
                {
                    continue;
                }

                Feature(json, lamp.Longitude, lamp.Latitude, box);
                json.WriteString("equipment", "lamp");
                json.WriteString("cabinet", lamp.GatewayId);
                json.WriteString("lamp_id", lamp.LampId);
                json.WriteString("pole_id", lamp.PoleId);
                json.WriteString("town", lamp.Town);
                json.WriteString("district", lamp.District);
                json.WriteString("type", lamp.LuminaireModel);
                DataTable.WriteValue(json.WritingProperty("rated_power_w"), lamp.RatedPowerW > 0 ? lamp.RatedPowerW : null);
                DataTable.WriteValue(json.WritingProperty("replaced_power_w"), lamp.ReplacedPowerW > 0 ? lamp.ReplacedPowerW : null);
                json.WriteString("installed_on", lamp.InstalledOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                json.WriteEndObject();
                json.WriteEndObject();
                lamps++;
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return (stream.ToArray(), new EquipmentSummary(cabinets, lamps, box.Value));
    }

    private static bool IsPosition(double latitude, double longitude) =>
        latitude is >= -90 and <= 90 && longitude is >= -180 and <= 180;

    /// <summary>Starts a Point feature and its properties object (the caller writes the properties and closes both).</summary>
    private static void Feature(Utf8JsonWriter json, double longitude, double latitude, Box box)
    {
        box.Add(longitude, latitude);
        json.WriteStartObject();
        json.WriteString("type", "Feature");
        json.WriteStartObject("geometry");
        json.WriteString("type", "Point");
        json.WriteStartArray("coordinates");
        json.WriteNumberValue(Math.Round(longitude, 7));
        json.WriteNumberValue(Math.Round(latitude, 7));
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("properties");
    }

    private static Utf8JsonWriter WritingProperty(this Utf8JsonWriter json, string name)
    {
        json.WritePropertyName(name);
        return json;
    }

    private sealed class Box
    {
        private double _west = double.MaxValue, _south = double.MaxValue, _east = double.MinValue, _north = double.MinValue;

        public (double, double, double, double)? Value => _west <= _east ? (_west, _south, _east, _north) : null;

        public void Add(double longitude, double latitude)
        {
            _west = Math.Min(_west, longitude);
            _east = Math.Max(_east, longitude);
            _south = Math.Min(_south, latitude);
            _north = Math.Max(_north, latitude);
        }
    }
}
