import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { installWebClient } from './web-client.ts';

// In Electron the preload has already put window.studio in place; in a browser the web client does.
const connected = await installWebClient();
mount(App, { target: document.getElementById('app')!, props: { connected } });
