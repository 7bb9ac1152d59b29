#!/usr/bin/env python3
"""The browser console, tested in a real browser (headless chromium through selenium).

Each test saves a screenshot; the page's performance figures are printed at the end. Exit 0
when every test passed. Run by scripts/console-browser-test (and .ci/run).
"""
import argparse, json, os, re, signal, subprocess, sys, tempfile, threading, time, traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--bin", required=True)
parser.add_argument("--screenshots", required=True)
args = parser.parse_args()
os.makedirs(args.screenshots, exist_ok=True)


def start(command, pattern, timeout=60, env=None):
    """Starts a program and waits for the line (stdout or stderr) that says where it listens;
    its output is read on after that, so a program that logs a lot never blocks on the pipe."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, env={**os.environ, **(env or {})})
    deadline = time.time() + timeout
    for line in process.stdout:
        match = re.search(pattern, line)
        if match:
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, match.group(1)
        if time.time() > deadline:
            break
    stop(process)
    raise RuntimeError(f"{command[0]} did not start")


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=15)
    except Exception:
        os.killpg(process.pid, signal.SIGKILL)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver, condition, what, seconds=20):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.05).until(lambda d: condition(d))
    except Exception:
        raise AssertionError(f"timed out waiting for {what}")


def phone_of(driver, user):
    return driver.find_element(By.CSS_SELECTOR, f'article.phone[data-user="{user}"]')


def open_phone(driver, email, user):
    form = driver.find_element(By.ID, "add-phone")
    field = form.find_element(By.NAME, "email")
    field.clear()
    field.send_keys(email)
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]:not([name])').click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'article.phone[data-user="{user}"] .state[data-state="open"]'), f"user {user}'s phone to open")
    return phone_of(driver, user)


def log_texts(phone):
    return phone.find_element(By.CSS_SELECTOR, ".log").get_attribute("textContent")


def main_thread_busy(driver, seconds):
    """The share of wall time the page's main thread spent running tasks (Chrome's own
    TaskDuration counter, through the DevTools protocol): every task counts, not only the long ones."""
    def task_seconds():
        metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
        return next(metric["value"] for metric in metrics if metric["name"] == "TaskDuration")
    driver.execute_cdp_cmd("Performance.enable", {})
    before, started = task_seconds(), time.time()
    time.sleep(seconds)  # the measurement window itself, not a wait for an event
    return (task_seconds() - before) / (time.time() - started) * 100


def select_connector(driver, charger, connector):
    driver.find_element(By.CSS_SELECTOR, f'#fleet-table tr[data-charger="{charger}"][data-connector="{connector}"]').click()


def status_of(driver, charger, connector):
    cells = driver.find_elements(By.CSS_SELECTOR, f'#fleet-table tr[data-charger="{charger}"][data-connector="{connector}"] td:nth-child(3)')
    return cells[0].text if cells else None


def clock_text(driver):
    return driver.find_element(By.ID, "clock-now").text


def simulated_time(driver):
    """The simulated clock's time as the page shows it ("clock 2026-…Z · 60× speed"), in seconds."""
    match = re.search(r"clock (\S+)", clock_text(driver))
    return driver.execute_script("return Date.parse(arguments[0]) / 1000;", match.group(1)) if match else None


results, figures = [], []


def test(name):
    def run(body):
        driver = browser()
        try:
            body(driver)
            results.append((name, None))
            print(f"ok   {name}")
        except Exception as error:
            results.append((name, error))
            print(f"FAIL {name}: {error}")
            traceback.print_exc()
        finally:
            path = os.path.join(args.screenshots, re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".png")
            driver.save_screenshot(path)
            print(f"     screenshot {path}")
            driver.quit()
    return run


stack, console = start(
    [f"{args.bin}/client", "up", "--gateway-port", "0", "--backend-port", "0", "--cms-port", "0", "--redis-port", "0",
     "--console-port", "0", "--meter-interval", "0.05", "--bin-dir", args.bin],
    r"console\s+(http://\S+)")
try:
    @test("a phone charges, sees meter values, the fleet, a fault and the summary")
    def charging(driver):
        driver.get(console)
        load = driver.execute_script("const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime;")
        figures.append(f"console page load: {load:.0f} ms (navigation timing, local stack)")
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, '#stack-status li[data-ok="true"]')) == 3, "the three programs to be reachable")
        phone = open_phone(driver, "demo@example.com", "123")
        phone.find_element(By.CSS_SELECTOR, '[data-action="start_charging"]').click()
        chart = phone.find_element(By.CSS_SELECTOR, ".chart")
        wait(driver, lambda d: int(chart.get_attribute("data-points") or 0) >= 3, "three meter values drawn")
        assert "kWh" in phone.find_element(By.CSS_SELECTOR, ".energy").text
        # While the phone renders its session (20 meter values a second): how busy the main thread is.
        points_before = int(chart.get_attribute("data-points"))
        busy = main_thread_busy(driver, 2)
        drawn = int(chart.get_attribute("data-points")) - points_before
        figures.append(f"main thread busy while a phone drew {drawn / 2:.0f} meter values/s: {busy:.1f}% of 2 s (Chrome's TaskDuration)")
        assert drawn >= 20, f"only {drawn} meter values drawn in 2 s"
        assert busy < 20, f"the main thread was {busy:.0f}% busy"
        driver.find_element(By.CSS_SELECTOR, '.tab[data-view="fleet"]').click()
        cell = lambda d: d.find_elements(By.CSS_SELECTOR, '#fleet-table tr[data-charger="CP001"][data-connector="1"] td:nth-child(3)')
        wait(driver, lambda d: cell(d) and cell(d)[0].text == "Charging", "CP001/1 to be Charging in the fleet view")
        controls = driver.find_element(By.ID, "fleet-controls")
        controls.find_element(By.CSS_SELECTOR, '[data-command="fault"]').click()
        wait(driver, lambda d: cell(d)[0].text == "Faulted", "CP001/1 to be Faulted in the fleet view")
        driver.find_element(By.CSS_SELECTOR, '.tab[data-view="phones"]').click()
        notifications = phone.find_element(By.CSS_SELECTOR, ".notifications")
        wait(driver, lambda d: "fault" in notifications.text.lower(), "the fault notification on the phone")
        # Stopped from the phone: the session's summary appears, with its energy.
        phone.find_element(By.CSS_SELECTOR, '[data-action="stop_charging"]').click()
        summary = phone.find_element(By.CSS_SELECTOR, ".summary")
        wait(driver, lambda d: summary.is_displayed() and re.search(r"Summary: 0\.\d*[1-9]\d* kWh|Summary: [1-9]", summary.text), "the session summary with its energy")
        assert "stop_charging failed" not in notifications.text, notifications.text
        # The start's timeline across the hops, opened from the phone's message log.
        hops = driver.execute_script("""
            const item = [...arguments[0].querySelectorAll('.log li[data-dir="out"]')].find((li) => li.textContent.includes('start_charging'));
            const button = item && item.querySelector('button'); if (button) button.click(); return !!button;""", phone)
        assert hops, "the start_charging message has no Hops button"
        programs = lambda d: {row.find_elements(By.TAG_NAME, "td")[1].text for row in d.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")}
        wait(driver, lambda d: {"gateway", "mock-backend", "charger-sim"} <= programs(d), "the timeline's gateway, backend and charger-sim hops")

    @test("two phones never see each other's pushes")
    def isolation(driver):
        driver.get(console)
        demo = open_phone(driver, "demo@example.com", "123")
        alice = open_phone(driver, "alice@example.com", "124")
        demo.find_element(By.CSS_SELECTOR, '.actions input[name="charger_id"]').clear()
        demo.find_element(By.CSS_SELECTOR, '.actions input[name="charger_id"]').send_keys("CP002")
        demo.find_element(By.CSS_SELECTOR, '[data-action="start_charging"]').click()
        chart = demo.find_element(By.CSS_SELECTOR, ".chart")
        wait(driver, lambda d: int(chart.get_attribute("data-points") or 0) >= 3, "user 123's meter values")
        assert "session_update" in log_texts(demo)
        alice_log = log_texts(alice)
        assert "session_update" not in alice_log and "notification" not in alice_log, "user 124 saw a push of user 123"
        assert alice.find_element(By.CSS_SELECTOR, ".chart").get_attribute("data-points") in (None, "0")
        demo.find_element(By.CSS_SELECTOR, '[data-action="stop_charging"]').click()

    @test("the fleet's clock, reservations, power and walk-ins controls")
    def fleet_controls(driver):
        driver.get(console)
        driver.find_element(By.CSS_SELECTOR, '.tab[data-view="fleet"]').click()
        wait(driver, lambda d: status_of(d, "CP003", "1") == "Available", "CP003/1 to be Available")
        select_connector(driver, "CP003", "1")
        controls = driver.find_element(By.ID, "fleet-controls")
        assert controls.find_element(By.NAME, "charger").get_attribute("value") == "CP003"
        controls.find_element(By.CSS_SELECTOR, '[data-command="reserve"]').click()
        wait(driver, lambda d: status_of(d, "CP003", "1") == "Reserved", "CP003/1 to be Reserved")
        controls.find_element(By.CSS_SELECTOR, '[data-command="cancel-reservation"]').click()
        wait(driver, lambda d: status_of(d, "CP003", "1") == "Available", "the reservation to be cancelled")
        controls.find_element(By.CSS_SELECTOR, '[data-charger-command="power-loss"]').click()
        wait(driver, lambda d: status_of(d, "CP003", "1") == "Unavailable" and status_of(d, "CP003", "2") == "Unavailable", "CP003 to lose power")
        controls.find_element(By.CSS_SELECTOR, '[data-charger-command="power-restore"]').click()
        wait(driver, lambda d: status_of(d, "CP003", "1") == "Available", "CP003's power to come back")
        # The clock: paused it stays put, an advance moves it by exactly that much, a speed shows.
        clock = driver.find_element(By.ID, "clock")
        clock.find_element(By.CSS_SELECTOR, '[data-clock="pause"]').click()
        wait(driver, lambda d: "paused" in clock_text(d), "the clock to show paused")
        paused_at = simulated_time(driver)
        seconds = clock.find_element(By.NAME, "seconds")
        seconds.clear()
        seconds.send_keys("3600")
        clock.find_element(By.CSS_SELECTOR, '[data-clock="advance"]').click()
        wait(driver, lambda d: simulated_time(d) != paused_at, "the clock to advance")
        assert abs(simulated_time(driver) - paused_at - 3600) < 1, f"advanced by {simulated_time(driver) - paused_at} s"
        speed = clock.find_element(By.NAME, "speed")
        speed.clear()
        speed.send_keys("120")
        clock.find_element(By.CSS_SELECTOR, '[data-clock="speed"]').click()
        clock.find_element(By.CSS_SELECTOR, '[data-clock="resume"]').click()
        wait(driver, lambda d: "120× speed" in clock_text(d), "the clock to run at 120x")
        # Walk-ins: the switch reaches charger-sim, and back.
        walk_ins = clock.find_element(By.NAME, "walk_ins")
        state = lambda d: d.execute_script("return fetch('/sim/api/walk-ins').then((r) => r.json()).then((a) => a.enabled);")
        assert state(driver) is False and not walk_ins.is_selected()
        walk_ins.click()
        wait(driver, lambda d: state(d) is True, "charger-sim's walk-ins to be on")
        walk_ins.click()
        wait(driver, lambda d: state(d) is False and not walk_ins.is_selected(), "charger-sim's walk-ins to be off")

    @test("a phone-sized window in dark mode")
    def phone_sized_dark(driver):
        driver.set_window_size(390, 844)
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        driver.get(console)
        phone = open_phone(driver, "bob@example.com", "125")
        phone.find_element(By.CSS_SELECTOR, '[data-action="list_chargers"]').click()
        wait(driver, lambda d: "list_chargers" in log_texts(phone) and "CP001" in log_texts(phone), "the charger list")
        # The page's own colours (the root element carries them), as luminance from 0 to 1.
        background, text = driver.execute_script("""
            const luminance = (colour) => {
              const [r, g, b, a = 1] = colour.match(/[\\d.]+/g).map(Number);
              return a === 0 ? null : (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; };
            const style = getComputedStyle(document.documentElement);
            return [luminance(style.backgroundColor), luminance(style.color)];""")
        assert background is not None and background < 0.3, f"the page is not dark (background luminance {background})"
        assert text > 0.7, f"the text is not light on the dark page (luminance {text:.2f})"
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth;")
        assert overflow <= 0, f"the page is {overflow} px wider than a phone"
        figures.append(f"phone-sized window (390 px), dark: background luminance {background:.2f}, text {text:.2f}, no horizontal scroll")
finally:
    stop(stack)

# A console in front of a gateway that is down: the page says so, and the phone says why.
down, down_url = start(
    [f"{args.bin}/client", "console", "--port", "0", "--gateway-url", "ws://127.0.0.1:1", "--backend-url", "none", "--sim-url", "none"],
    r"console\s+(http://\S+)")
try:
    @test("a page load with the gateway down shows the message")
    def gateway_down(driver):
        driver.get(down_url)
        banner = driver.find_element(By.ID, "banner")
        wait(driver, lambda d: banner.is_displayed() and "gateway unreachable at http://127.0.0.1:1" in banner.text, "the gateway-down message")
        token = subprocess.run([f"{args.bin}/client", "token", "--user", "123"], capture_output=True, text=True, env={**os.environ, "JWT_SECRET": "dev-secret-change-me"}).stdout.strip()
        form = driver.find_element(By.ID, "add-phone")
        form.find_element(By.TAG_NAME, "summary").click()
        form.find_element(By.NAME, "token").send_keys(token or "a.b.c")
        form.find_element(By.CSS_SELECTOR, 'button[name="use-token"]').click()
        detail = lambda d: d.find_element(By.CSS_SELECTOR, "article.phone .connection-detail").text
        wait(driver, lambda d: "unreachable" in detail(d) and "retry" in detail(d), "the phone's reconnect message")
finally:
    stop(down)

# The fleet view of 1,000 chargers (2,000 connectors) with walk-in drivers changing statuses.
scratch = tempfile.mkdtemp()
fleet_file = os.path.join(scratch, "fleet.json")
with open(fleet_file, "w") as file:
    json.dump({"chargers": [{"id": f"F{index:04d}", "name": f"AC {index}", "type": "AC", "connectors": 2, "phases": 3,
                             "voltage": 230, "max_current": 32} for index in range(1, 1001)]}, file)
sim, sim_url = start([f"{args.bin}/charger-sim", "--host", "127.0.0.1", "--port", "0", "--backend-url", "http://127.0.0.1:1",
                      "--fleet", fleet_file, "--auto", "--speed", "600", "--meter-interval", "1"],
                     r"listening on (http://[^ ]+:[0-9]+)", env={"CMS_SECRET": "fleet-secret", "LOG_LEVEL": "info"})
fleet_console, fleet_url = start(
    [f"{args.bin}/client", "console", "--port", "0", "--gateway-url", "ws://127.0.0.1:1", "--backend-url", "none",
     "--sim-url", sim_url, "--cms-secret", "fleet-secret"], r"console\s+(http://\S+)")
try:
    @test("the fleet view of 1,000 chargers updates without freezing")
    def big_fleet(driver):
        driver.get(fleet_url)
        driver.find_element(By.CSS_SELECTOR, '.tab[data-view="fleet"]').click()
        wait(driver, lambda d: d.execute_script("return window.consoleStats && window.consoleStats.fleet.rows") == 2000, "2,000 connector rows")
        updates_before = driver.execute_script("""
            window.longestTask = 0;
            new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longestTask = Math.max(window.longestTask, e.duration); })
              .observe({ type: 'longtask', buffered: false });
            return window.consoleStats.fleet.updates;""")
        busy = main_thread_busy(driver, 5)
        longest, updates, last_update = driver.execute_script(
            "return [window.longestTask, window.consoleStats.fleet.updates, window.consoleStats.fleet.lastUpdateMs];")
        figures.append(f"fleet of 2,000 connectors: {updates - updates_before} updates in 5 s, last update {last_update:.1f} ms, "
                       f"main thread busy {busy:.1f}% (TaskDuration), longest task {longest:.0f} ms")
        assert updates - updates_before >= 3, "the fleet view stopped updating"
        assert longest < 1000, "the page froze for a second or more"
finally:
    stop(fleet_console)
    stop(sim)

print()
for line in figures:
    print(line)
failed = [name for name, error in results if error]
print(f"{len(results)} browser tests: {len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
