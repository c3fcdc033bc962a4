using OpenMeet.AppService;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Registration;

const string Usage = """
    Usage:
      OpenMeet.AppService -c CONFIG                                 run the service
      OpenMeet.AppService generate-registration -c CONFIG -o FILE   fill empty tokens in CONFIG, write Synapse's registration FILE
      OpenMeet.AppService rotate-keys -c CONFIG                     new OIDC signing key; the previous one still verifies
      OpenMeet.AppService --version                                 the version
    """;

if (args is ["--version"])
{
    Console.WriteLine($"OpenMeet.AppService {OpenMeet.AppService.Hosting.ServiceInfo.Version}");
    return 0;
}

var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
var options = args.Skip(command == "run" ? 0 : 1).ToArray();
string? Option(string name) => Array.IndexOf(options, name) is var i and >= 0 && i + 1 < options.Length ? options[i + 1] : null;

if (args.Contains("--help") || args.Contains("-h") || command is not ("run" or "generate-registration" or "rotate-keys"))
{
    Console.Error.WriteLine(Usage);
    return args.Contains("--help") || args.Contains("-h") ? 0 : 2;
}

var configPath = Option("-c") ?? Option("--config");
if (configPath is null)
{
    Console.Error.WriteLine("-c CONFIG is required (see config.example.yaml)." + Environment.NewLine + Usage);
    return 2;
}

try
{
    if (command == "generate-registration")
    {
        var output = Option("-o") ?? Option("--output");
        if (output is null)
        {
            Console.Error.WriteLine("-o FILE is required: where to write the registration." + Environment.NewLine + Usage);
            return 2;
        }

        GenerateRegistration.Run(configPath, output, Path.Combine(AppContext.BaseDirectory, "registration.yaml.template"));
        Console.WriteLine($"Wrote {output}; tokens in {configPath} are filled.");
        return 0;
    }

    if (command == "rotate-keys")
    {
        var config = ConfigLoader.Load(configPath);
        var keys = OpenMeet.Oidc.Keys.IssuerKeys.Rotate(Path.Combine(config.DataDirectory, "oidc-keys.json"));
        Console.WriteLine($"Signing with key {keys.Signing[0].Kid} from the next start; {string.Join(", ", keys.Signing.Skip(1).Select(k => k.Kid))} still verifies.");
        return 0;
    }

    var app = ServiceHost.Build(ConfigLoader.Load(configPath));
    var workers = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
    await app.RunAsync();

    // Workers are supervised and do not fail; if one did anyway, it stopped the host: a supervisor
    // outside (systemd, Kubernetes) must see a failure and start the service again.
    return workers.Any(w => w.ExecuteTask is { IsFaulted: true }) ? 1 : 0;
}
catch (ConfigException e)
{
    Console.Error.WriteLine($"{configPath}: {e.Message}");
    return 2;
}
catch (Exception e)
{
    Console.Error.WriteLine($"The service cannot run: {e.Message}");
    return 1;
}
