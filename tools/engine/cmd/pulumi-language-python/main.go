// Command pulumi-language-python is a small Python language host for the Pulumi
// engine that tools/engine/build compiles next to the Pulumi CLI.
//
// Why it exists: Pulumi's own Python host lives in the Go module
// github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3, which the
// Go module proxy reachable from this project's machines does not serve (every
// version is refused), and the pulumi binary itself cannot be downloaded here.
// The CLI (github.com/pulumi/pulumi/pkg/v3) and the SDK module
// (github.com/pulumi/pulumi/sdk/v3) are served, and the SDK module ships the
// pieces a Python host is built from: the gRPC protocol (proto/go), the Python
// toolchain resolution (python/toolchain: pip/venv, uv, poetry) and the
// `pulumi-language-python-exec` bootstrap script that actually runs a program.
// This host wires those together. It is written for this project; it is not a
// copy of Pulumi's host.
//
// What it does, as Pulumi's host does:
//   - Run: resolves the interpreter from the `runtime.options` of Pulumi.yaml
//     (`virtualenv`, `toolchain`), then runs
//     `python -u pulumi-language-python-exec --monitor ... PROGRAM` with
//     PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS set; exit code 32 means the
//     program already reported its error (bail).
//   - RunPlugin for policy packs (kind "analyzer"): resolves the pack's
//     interpreter from its runtime options like a program's, runs
//     `python -u -m pulumi.policy ARGS... PACK_DIR` in the request's directory
//     with the request's environment added, streams stdout and stderr back and
//     ends with the exit code.
//   - InstallDependencies, About, GetProgramDependencies, RuntimeOptionsPrompts
//     via the SDK toolchain package.
//
// What it deliberately does not do: GetRequiredPlugins/GetRequiredPackages
// report no plugins (providers are then loaded when a resource first needs
// them, so nothing is pre-downloaded), no type checker, no debugger, no
// Python provider plugins through RunPlugin, no code generation.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

const (
	// Exit code the exec script uses after it has shown the user an actionable error.
	exitCodeBail = 32
	execScript   = "pulumi-language-python-exec"
)

func main() {
	var tracing string
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	// Accepted for compatibility with the flags Pulumi passes to its own Python host; unused.
	flag.String("root", "", "[obsolete] Project root path")
	flag.String("virtualenv", "", "[obsolete] Virtual environment path (now read from Pulumi.yaml options)")
	flag.String("toolchain", "", "[obsolete] Python toolchain (now read from Pulumi.yaml options)")
	flag.String("typechecker", "", "[obsolete] Type checker (unsupported)")
	flag.Parse()

	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-python", "pulumi-language-python", tracing)

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if engineAddress != "" {
		// Exit when the engine goes away.
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check host RPC server: %w", err))
		}
	}

	host := &pythonHost{engineAddress: engineAddress, tracing: tracing}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel(ctx),
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}

	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

func cancelChannel(ctx context.Context) chan bool {
	ch := make(chan bool)
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch
}

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	tracing       string
}

// options are the Python-specific `runtime.options` of Pulumi.yaml that this host honours.
type options struct {
	virtualenv string
	toolchain  string
}

func parseOptions(info *pulumirpc.ProgramInfo) (options, error) {
	var opts options
	if info == nil || info.GetOptions() == nil {
		return opts, nil
	}
	raw := info.GetOptions().AsMap()
	if v, ok := raw["virtualenv"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("virtualenv option must be a string")
		}
		opts.virtualenv = s
	}
	if v, ok := raw["toolchain"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("toolchain option must be a string")
		}
		opts.toolchain = s
	}
	if v, ok := raw["typechecker"]; ok && v != "" {
		logging.Warningf("python typechecker option %v is not supported by this language host; ignoring it", v)
	}
	return opts, nil
}

func resolveToolchain(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	opts, err := parseOptions(info)
	if err != nil {
		return nil, err
	}
	py := toolchain.PythonOptions{Virtualenv: opts.virtualenv}
	if info != nil {
		py.Root = info.GetRootDirectory()
		py.ProgramDir = info.GetProgramDirectory()
	}
	if py.Root == "" {
		if wd, err := os.Getwd(); err == nil {
			py.Root = wd
		}
	}
	if py.ProgramDir == "" {
		py.ProgramDir = py.Root
	}
	switch strings.ToLower(opts.toolchain) {
	case "", "auto":
		py.Toolchain = toolchain.Auto
	case "pip":
		py.Toolchain = toolchain.Pip
	case "poetry":
		py.Toolchain = toolchain.Poetry
	case "uv":
		py.Toolchain = toolchain.Uv
	default:
		return nil, fmt.Errorf("unsupported python toolchain option %q", opts.toolchain)
	}
	return toolchain.ResolveToolchain(py)
}

// findExecScript looks for pulumi-language-python-exec next to this binary, then on PATH.
func findExecScript() (string, error) {
	if exe, err := os.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(exe); err == nil {
			exe = resolved
		}
		candidate := filepath.Join(filepath.Dir(exe), execScript)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
	}
	path, err := exec.LookPath(execScript)
	if err != nil {
		return "", fmt.Errorf("could not find %s next to the language host or on PATH: %w", execScript, err)
	}
	return path, nil
}

func (h *pythonHost) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *pythonHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *pythonHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *pythonHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return nil, status.Error(codes.Unimplemented, "attaching a debugger is not supported by this Python language host")
	}
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	script, err := findExecScript()
	if err != nil {
		return nil, err
	}

	args := []string{"-u", script}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", fmt.Sprintf("%v", req.GetDryRun()))
	add("parallel", fmt.Sprint(req.GetParallel()))
	add("tracing", h.tracing)
	add("organization", req.GetOrganization())
	add("root_directory", req.GetInfo().GetRootDirectory())

	program := "."
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		entry := info.GetEntryPoint()
		if entry == "" {
			entry = "."
		}
		program = filepath.Join(info.GetProgramDirectory(), entry)
	} else if req.GetProgram() != "" { //nolint:staticcheck // older engines only send Program
		program = req.GetProgram() //nolint:staticcheck
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	if cfg := req.GetConfig(); len(cfg) > 0 {
		b, err := json.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("failed to serialize configuration: %w", err)
		}
		env = append(env, "PULUMI_CONFIG="+string(b))
	}
	if keys := req.GetConfigSecretKeys(); len(keys) > 0 {
		b, err := json.Marshal(keys)
		if err != nil {
			return nil, fmt.Errorf("failed to serialize configuration secret keys: %w", err)
		}
		env = append(env, "PULUMI_CONFIG_SECRET_KEYS="+string(b))
	}
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	logging.V(5).Infof("pulumi-language-python: running %v %v", cmd.Path, strings.Join(args, " "))

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeBail {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a Python policy pack (kind "analyzer") for the engine.
func (h *pythonHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	if req.GetKind() != "analyzer" {
		return status.Errorf(codes.Unimplemented, "this Python language host runs policy packs only, not %q plugins", req.GetKind())
	}
	ctx := server.Context()
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	args := append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...)
	args = append(args, req.GetInfo().GetProgramDirectory())
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return err
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env, req.GetEnv()...)
	cmd.Dir = req.GetPwd()
	out := &pluginOutput{server: server}
	cmd.Stdout = out.writer(false)
	cmd.Stderr = out.writer(true)
	logging.V(5).Infof("pulumi-language-python: running plugin %v %v", cmd.Path, strings.Join(args, " "))

	code := 0
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("could not run the policy pack: %w", err)
		}
		code = exitErr.ExitCode()
	}
	return out.send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// pluginOutput forwards a plugin's stdout and stderr to a RunPlugin stream, one message at a time.
type pluginOutput struct {
	server pulumirpc.LanguageRuntime_RunPluginServer
	mu     sync.Mutex
}

func (o *pluginOutput) send(resp *pulumirpc.RunPluginResponse) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.server.Send(resp)
}

func (o *pluginOutput) writer(stderr bool) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		data := append([]byte(nil), p...)
		resp := &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: data}}
		if stderr {
			resp = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: data}}
		}
		if err := o.send(resp); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// streamWriter forwards output to an InstallDependencies stream.
type streamWriter struct {
	server pulumirpc.LanguageRuntime_InstallDependenciesServer
	stderr bool
}

func (w *streamWriter) Write(p []byte) (int, error) {
	data := append([]byte(nil), p...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: data}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: data}
	}
	if err := w.server.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *pythonHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	dir := req.GetDirectory()
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		dir = info.GetProgramDirectory()
	}
	var stdout, stderr io.Writer = &streamWriter{server: server}, &streamWriter{server: server, stderr: true}
	return tc.InstallDependencies(server.Context(), dir, req.GetUseLanguageVersionTools(), true /*showOutput*/, stdout, stderr)
}

func (h *pythonHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
	}, nil
}

func (h *pythonHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pkgs, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(pkgs))
	for _, p := range pkgs {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
